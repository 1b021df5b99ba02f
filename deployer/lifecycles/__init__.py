"""Lifecycles: the ordered phases a release moves through before it may reach an environment."""
