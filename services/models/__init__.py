"""Model weights: which registry package ships each network, and how the project prepares them."""
