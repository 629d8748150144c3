// Placeholder until this module's first test lands; delete once real tests exist.
