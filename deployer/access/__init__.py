"""Who may do what: teams, built-in roles scoped to projects and environments, and `can()`."""
