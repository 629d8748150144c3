// Placeholder until this module's first file lands; delete once the module has real sources.
