"""The Triton model repository (models/) and the local launcher of the tritonserver binary."""
