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


def save_sample_grid(samples, path, value_range=(-1.0, 1.0), title=None):
    """Saves images `(n, h, w, c)` as one grid PNG."""
    import numpy as np

    plt = _pyplot()
    n = len(samples)
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(cols * 0.8, rows * 0.8))
    low, high = value_range
    for i, ax in enumerate(np.asarray(axes).ravel()):
        ax.axis("off")
        if i < n:
            image = (np.clip(samples[i], low, high) - low) / (high - low)
            if image.shape[-1] == 1:
                ax.imshow(image[..., 0], cmap="gray", vmin=0, vmax=1)
            else:
                ax.imshow(image)
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    plt.close(fig)


def save_scatter(points, path, centers=None, real=None, title=None):
    """Saves 2-D points `(n, 2)` as a scatter plot PNG, over `real` points
    and with the mixture's `centers` marked, when given."""
    import numpy as np

    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(4.5, 4.5))
    if real is not None:
        real = np.asarray(real)
        ax.scatter(real[:, 0], real[:, 1], s=2, alpha=0.3, c="gray",
                   label="real")
    points = np.asarray(points)
    ax.scatter(points[:, 0], points[:, 1], s=2, alpha=0.5, label="generated")
    if centers is not None:
        centers = np.asarray(centers)
        ax.scatter(centers[:, 0], centers[:, 1], s=30, c="red", marker="x",
                   label="means")
    ax.set_aspect("equal")
    ax.legend(loc="upper right", fontsize=7)
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
