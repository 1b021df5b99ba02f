"""Projects, their variables, scoping and the system variables."""
