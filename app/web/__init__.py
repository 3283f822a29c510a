"""The dashboard's views, one blueprint per feature; they talk only to ``app.cloudbees``."""
