"""The case chronology: significant entries and other services' events in event-time order."""
