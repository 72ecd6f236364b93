"""The council's continuum as versioned configuration: levels of need, headline areas, rules."""
