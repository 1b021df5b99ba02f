"""Views of the deployer app, one module per area."""
