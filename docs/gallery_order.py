"""The order of the gallery's examples (sphinx-gallery's ``within_subsection_order``)."""

# Gallery order: from the data to the models, then the other families.
GALLERY_ORDER = [
    "plot_privileged_windows.py",
    "plot_hayashi_direction.py",
    "plot_your_own_series.py",
    "plot_regressor.py",
    "plot_anomaly_synthetic.py",
    "plot_compress.py",
    "plot_svm_plus.py",
]


class GalleryOrder:
    """Sort key of sphinx-gallery: GALLERY_ORDER first, any new example after, by name."""

    def __init__(self, src_dir: str) -> None:
        self.src_dir = src_dir

    def __call__(self, filename: str) -> tuple[int, str]:
        rank = GALLERY_ORDER.index(filename) if filename in GALLERY_ORDER else len(GALLERY_ORDER)
        return (rank, filename)
