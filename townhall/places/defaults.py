"""The place analyses' default figures, in a module with no heavy imports, so the command line can show them in its
help without loading geopandas, SciPy or scikit-learn."""

DEFAULT_THRESHOLD_KM = 1.0  # accessibility: residents further than this from the nearest site are counted
DEFAULT_DISTANCE_METRES = 50.0  # duplicate reports: reports this close (and in the window) are one problem
DEFAULT_WINDOW_DAYS = 7.0  # duplicate reports: the time window
DEFAULT_SEED = 2026  # segmentation: the same seed always gives the same segments
METHODS = ("kmeans", "gaussian-mixture")  # segmentation: the clustering methods on offer
