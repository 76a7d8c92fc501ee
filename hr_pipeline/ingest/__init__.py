"""Landing-zone contracts, loaders, pseudonymisation, quarantine and the new-extract sensor."""
