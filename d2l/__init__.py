"""The d2l library of "Deep Learning by Doing": `from d2l import mxnet as d2l` or
`from d2l import torch as d2l`."""
