"""The council's claim settings as versioned configuration."""
