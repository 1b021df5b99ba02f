"""One router per domain; deployer.api.main mounts them."""
