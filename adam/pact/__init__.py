"""The Paris Pact consultative mechanism: events, recommendations and their follow-up."""
