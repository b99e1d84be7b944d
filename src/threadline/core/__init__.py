"""The domain: run-state reducer, conversation driver, tool handlers, local store. No Textual."""
