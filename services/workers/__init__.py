"""Workers: a Ray Serve application that consumes requests and fans out to the classifiers."""
