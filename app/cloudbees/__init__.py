"""The REST service layer: a typed CloudBees CD client with no Flask import anywhere in it."""
