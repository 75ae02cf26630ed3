"""The domain: records, schema, classification and git. Imports nothing from Textual."""
