# The #@save library of the book for pytorch, collected from the pages in book order.
# Do not edit: change the pages and rebuild the library.

import matplotlib.pyplot as plt
import numpy as np
import torch


def to_numpy(x):
    """Copy a tensor, or anything array-like, into a NumPy array."""
    if isinstance(x, torch.Tensor):
        return x.detach().cpu().numpy()
    return np.asarray(x)


def plot(x, ys, xlabel=None, ylabel=None, legend=None, fmts=('-', '--', '-.', ':'),
         figsize=(4.5, 3), axes=None):
    """Plot each curve in ys against x and return the axes."""
    if axes is None:
        _, axes = plt.subplots(figsize=figsize)
    for y, fmt in zip(ys, fmts):
        axes.plot(to_numpy(x), to_numpy(y), fmt)
    if xlabel:
        axes.set_xlabel(xlabel)
    if ylabel:
        axes.set_ylabel(ylabel)
    if legend:
        axes.legend(legend)
    axes.grid(alpha=0.3)
    return axes


import time


class Timer:
    """Record the wall-clock time of one or more runs."""

    def __init__(self):
        self.times = []
        self.start()

    def start(self):
        """Start (or restart) the stopwatch."""
        self.begin = time.perf_counter()

    def stop(self):
        """Stop the stopwatch, record the elapsed time and return it in seconds."""
        self.times.append(time.perf_counter() - self.begin)
        return self.times[-1]

    def avg(self):
        """The average recorded time."""
        return sum(self.times) / len(self.times)

    def sum(self):
        """The total recorded time."""
        return sum(self.times)


import random


def make_linear_data(w, b, num_examples, noise_std=0.05):
    """Draw features from N(0, 1) and labels from a noisy linear model."""
    X = torch.normal(0, 1, size=(num_examples, len(w)))
    y = X @ w + b + torch.normal(0, noise_std, size=(num_examples,))
    return X, y.reshape(-1, 1)


def iterate_minibatches(X, y, batch_size):
    """Yield the examples (X, y) in minibatches, in a fresh random order."""
    order = list(range(len(X)))
    random.shuffle(order)
    for start in range(0, len(X), batch_size):
        idx = torch.tensor(order[start:start + batch_size])
        yield X[idx], y[idx]


def linear_model(X, w, b):
    """The linear regression model: one prediction per row of X."""
    return X @ w + b


def half_squared_error(y_hat, y):
    """Squared loss with the factor 1/2, one value per example."""
    return 0.5 * (y_hat - y.reshape(y_hat.shape)) ** 2


def sgd_step(params, lr, batch_size):
    """Minibatch SGD: move each parameter against its gradient averaged over the batch."""
    with torch.no_grad():
        for param in params:
            param -= lr * param.grad / batch_size
            param.grad.zero_()


def train_epoch(net, data_iter, loss, updater, metric=None):
    """Train net for one pass over data_iter; return the average loss and metric."""
    total_loss, total_metric, num_examples = 0.0, 0.0, 0
    for X, y in data_iter:
        y_hat = net(X)
        losses = loss(y_hat, y)
        if isinstance(updater, torch.optim.Optimizer):
            updater.zero_grad()
            losses.mean().backward()  # built-in optimizers expect the gradient of the mean
            updater.step()
        else:
            losses.sum().backward()   # our updaters divide the summed gradient themselves
            updater(X.shape[0])
        total_loss += losses.sum().item()
        if metric is not None:
            total_metric += metric(y_hat, y) * X.shape[0]
        num_examples += X.shape[0]
    return total_loss / num_examples, total_metric / num_examples


from torch.utils import data


def load_array(arrays, batch_size, shuffle=True):
    """Serve a tuple of tensors in minibatches with a PyTorch DataLoader."""
    dataset = data.TensorDataset(*arrays)
    return data.DataLoader(dataset, batch_size=batch_size, shuffle=shuffle)


def softmax(o):
    """Turn each row of scores into a probability distribution."""
    o = o - o.amax(dim=1, keepdim=True)   # avoids overflow; the result is unchanged
    e = torch.exp(o)
    return e / e.sum(dim=1, keepdim=True)


def accuracy(scores, labels):
    """Fraction of rows whose highest score is at the correct label."""
    predictions = scores.argmax(dim=1).type(labels.dtype)
    return (predictions == labels).float().mean().item()
