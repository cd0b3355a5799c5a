"""Comments: listing, routing to units, rectification and topics."""
