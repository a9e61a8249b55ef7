"""The portal's pages, one module per area; each defines one blueprint."""
