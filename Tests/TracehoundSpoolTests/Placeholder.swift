// Placeholder until the spool's first test lands.
