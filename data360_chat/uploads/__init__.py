"""A person's own CSV files beside World Bank data: decoded, parsed into series, previewed and offered as tools."""
