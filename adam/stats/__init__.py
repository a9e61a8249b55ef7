"""Tables of who does what where: project counts and budgets grouped by one or two dimensions."""
