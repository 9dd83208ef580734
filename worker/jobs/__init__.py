"""Job functions: unpack ids, set the tenant context, call a service."""
