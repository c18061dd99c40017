"""The library of the book's pages, one module per framework: ``d2l.mxnet`` (MXNet), ``d2l.torch`` (PyTorch).

Use it as the pages do, for example ``from d2l import mxnet as d2l``.
"""
