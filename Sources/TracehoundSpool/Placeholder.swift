// Placeholder until the spool's first file lands.
