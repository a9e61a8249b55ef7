"""The demo data set: illustrative projects so a newcomer sees something real-looking."""
