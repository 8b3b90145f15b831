"""PNG figures with matplotlib (an optional dependency: keras-aegan[demo])."""


def _pyplot():
    try:
        import matplotlib
    except ImportError as e:
        raise ImportError(
            "Plots need matplotlib: pip install matplotlib "
            "(or keras-aegan[demo])."
        ) from e
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def save_sample_grid(samples, path, value_range=(-1.0, 1.0), title=None,
                     row_labels=None):
    """Saves images `(n, h, w, c)` as one grid PNG: a square grid, or one
    row per entry of `row_labels` (written left of each row)."""
    import numpy as np

    plt = _pyplot()
    n = len(samples)
    if row_labels is None:
        cols = int(np.ceil(np.sqrt(n)))
        rows = int(np.ceil(n / cols))
    else:
        rows = len(row_labels)
        cols = int(np.ceil(n / rows))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.8, rows * 0.8),
                             squeeze=False)
    low, high = value_range
    for i, ax in enumerate(axes.ravel()):
        ax.set_xticks([])
        ax.set_yticks([])
        for spine in ax.spines.values():
            spine.set_visible(False)
        if i < n:
            image = (np.clip(samples[i], low, high) - low) / (high - low)
            if image.shape[-1] == 1:
                ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
            else:
                ax.imshow(image)
    if row_labels is not None:
        for row, label in enumerate(row_labels):
            axes[row, 0].set_ylabel(str(label), rotation=0, ha="right",
                                    va="center", fontsize=8)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_scatter(points, path, centers=None, real=None, title=None,
                 labels=None):
    """Saves 2-D points `(n, 2)` as a scatter plot PNG, over `real` points
    and with the mixture's `centers` marked, when given; with `labels` (one
    class per point) the points are coloured by class."""
    import numpy as np

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    if real is not None:
        real = np.asarray(real)
        ax.scatter(real[:, 0], real[:, 1], s=2, alpha=0.3, c="gray",
                   label="real")
    points = np.asarray(points)
    if labels is None:
        ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5,
                   label="generated")
    else:
        labels = np.asarray(labels)
        colours = plt.get_cmap("tab20" if labels.max() >= 10 else "tab10")
        for c in np.unique(labels):
            rows = labels == c
            ax.scatter(points[rows, 0], points[rows, 1], s=2, alpha=0.6,
                       color=colours(int(c) % colours.N),
                       label=f"class {c}")
    if centers is not None:
        centers = np.asarray(centers)
        ax.scatter(centers[:, 0], centers[:, 1], s=30, c="red", marker="x",
                   label="means")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7, markerscale=3)
    if title:
        ax.set_title(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_loss_curves(history, path, title=None, ylabel="loss"):
    """Saves every series of a Keras `History.history` dict as one PNG."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(7, 4))
    for key, values in sorted(history.items()):
        ax.plot(range(1, len(values) + 1), values, label=key)
    ax.set_xlabel("epoch")
    ax.set_ylabel(ylabel)
    ax.legend()
    ax.grid(alpha=0.3)
    if title:
        ax.set_title(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


# History keys drawn with the losses; every other key is a metric.
LOSS_KEYS = ("loss", "convergence", "balance")


def save_history_curves(history, directory, title=None):
    """Saves `losses.png` (losses, BEGAN's convergence and balance) and,
    when the history has other series (e.g. from GenerativeMetrics),
    `metrics.png`, into `directory`. Returns the paths written."""
    import os

    losses = {k: v for k, v in history.items()
              if any(part in k for part in LOSS_KEYS)}
    metrics = {k: v for k, v in history.items() if k not in losses}
    paths = [os.path.join(directory, "losses.png")]
    save_loss_curves(losses, paths[0], title=title)
    if metrics:
        paths.append(os.path.join(directory, "metrics.png"))
        save_loss_curves(metrics, paths[1], title=title, ylabel="metric")
    return paths
