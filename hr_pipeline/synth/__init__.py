"""The synthetic HR world: a simulated firm written as weekly ATS, HRIS and time-tracking extracts."""
