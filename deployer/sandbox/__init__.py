"""The local sandbox: a simulated AWS (moto plus realistic CloudFormation and ECS) on localhost."""
