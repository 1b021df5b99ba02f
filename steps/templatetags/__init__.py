"""Template helpers of the step editor."""
