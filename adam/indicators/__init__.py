"""Country indicators of the Paris Pact fact sheets: seizures, treatment demand, per year."""
