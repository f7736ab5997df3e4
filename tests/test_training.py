"""The training loop of d2l_helpers.training, with real MXNet training on real images."""

import warnings

import mxnet as mx
import numpy as np
import pytest
from mxnet import gluon, init, np as mnp
from mxnet.gluon import nn

import d2l_helpers as d2l


def concise_model(lr: float = 0.1):
    """The concise chapter's model, loss and trainer."""
    net = nn.Sequential()
    net.add(nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    return net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer


def test_accuracy_counts_correct_rows():
    y_hat = mnp.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = mnp.array([1, 1, 1], dtype=np.int32)
    assert d2l.accuracy(y_hat, y) == 2.0


def test_new_call_form_trains(small_iters):
    np.random.seed(0)
    mx.random.seed(0)
    net, loss, trainer = concise_model()
    history = d2l.train_ch3(net, *small_iters, loss, 3, trainer)
    assert len(history.train_loss) == len(history.test_acc) == len(history.epoch_seconds) == 3
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.6  # 3 epochs on 2,048 images; chance is 0.1
    assert history.test_acc[-1] == pytest.approx(d2l.evaluate_accuracy(net, small_iters[1]))
    assert "test acc" in str(history)


def test_old_call_form_with_trainer_keyword(small_iters):
    net, loss, trainer = concise_model()
    history = d2l.train_ch3(net, *small_iters, loss, 2, 128, None, None, trainer)
    assert history.test_acc[-1] > 0.5


def test_old_call_form_from_scratch(small_iters):
    W = mnp.random.normal(0, 0.01, size=(784, 10))
    b = mnp.zeros(10)
    for param in (W, b):
        param.attach_grad()
    net = lambda X: mx.npx.softmax(mnp.dot(X.reshape(-1, 784), W) + b)
    cross_entropy = lambda y_hat, y: -mnp.log(y_hat[mnp.arange(y.shape[0]), y] + 1e-9)
    history = d2l.train_ch3(net, *small_iters, cross_entropy, 2, 128, [W, b], 0.1)
    assert history.test_acc[-1] > 0.5


def test_missing_trainer_is_a_type_error(small_iters):
    net, loss, _ = concise_model()
    with pytest.raises(TypeError, match="needs a trainer"):
        d2l.train_ch3(net, *small_iters, loss, 1)


def test_diverging_loss_stops_with_a_clear_error(small_iters):
    net, _, trainer = concise_model(lr=1e4)
    naive_loss = lambda y_hat, y: -mnp.log(mx.npx.softmax(y_hat)[mnp.arange(y.shape[0]), y])
    with pytest.raises(d2l.TrainingDivergedError, match=r"^Epoch 1: .*(nan|inf).*learning rate "
                       r"\(now 10000.*SoftmaxCrossEntropyLoss.*re-initialize") as info:
        d2l.train_ch3(net, *small_iters, naive_loss, 5, trainer)
    assert info.value.history.train_loss == []


def test_divergence_keeps_the_finished_epochs(small_iters):
    net, _, trainer = concise_model()
    naive_loss = lambda y_hat, y: -mnp.log(mx.npx.softmax(y_hat)[mnp.arange(y.shape[0]), y])
    steps_per_epoch = len(small_iters[0])
    steps = []

    def updater(batch_size: int) -> None:
        """SGD at lr 0.1 for one epoch, then at a learning rate that blows up."""
        steps.append(batch_size)
        if len(steps) == steps_per_epoch + 1:
            trainer.set_learning_rate(1e4)
        trainer.step(batch_size)

    with pytest.raises(d2l.TrainingDivergedError, match=r"^Epoch 2: ") as info:
        d2l.train_ch3(net, *small_iters, naive_loss, 5, updater)
    history = info.value.history
    assert len(history.train_loss) == len(history.test_acc) == 1
    assert history.test_acc[0] > 0.5


def test_wrong_input_shape_says_what_was_expected(small_iters):
    net, loss, trainer = concise_model()
    d2l.train_ch3(net, *small_iters, loss, 1, trainer)
    X_test, y_test = small_iters[1].images, small_iters[1].labels
    bigger = d2l.ArrayDataIter(X_test, y_test, 64, shuffle=False, resize=30)
    with pytest.raises(d2l.ShapeMismatchError, match=r"784 input features.*\(64, 1, 30, 30\)"):
        d2l.evaluate_accuracy(net, bigger)
    weight = net[0].weight.data().asnumpy()
    with pytest.raises(d2l.ShapeMismatchError, match=r"784 input features"):
        d2l.train_ch3(net, bigger, small_iters[1], loss, 1, trainer)
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), weight)  # nothing trained


def test_predict_ch3_returns_true_and_predicted_labels(small_iters):
    net, loss, trainer = concise_model()
    d2l.train_ch3(net, *small_iters, loss, 2, trainer)
    trues, preds = d2l.predict_ch3(net, small_iters[1], n=6)
    assert trues == d2l.get_fashion_mnist_labels(small_iters[1].labels[:6])
    assert len(preds) == 6 and set(preds) <= set(d2l.get_fashion_mnist_labels(range(10)))


def test_training_plot_in_a_real_kernel():
    """The live plot leaves exactly one figure in an executed notebook."""
    import nbformat
    from nbclient import NotebookClient
    code = ("import numpy as np, d2l_helpers as d2l\n"
            "from mxnet import gluon, init\nfrom mxnet.gluon import nn\n"
            "tr, te = d2l.load_data_fashion_mnist(256)\n"
            "tr = d2l.ArrayDataIter(tr.images[:1024], tr.labels[:1024], 256, True)\n"
            "net = nn.Sequential(); net.add(nn.Dense(10)); net.initialize(init.Normal(sigma=0.01))\n"
            "t = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})\n"
            "h = d2l.train_ch3(net, tr, te, gluon.loss.SoftmaxCrossEntropyLoss(), 3, t)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"]
    assert "image/svg+xml" in outputs[0].data
    assert outputs[0].data["image/svg+xml"].count("<path") > 3  # curves drawn after 3 epochs


def test_metrics_match_per_batch_accuracy_for_every_output_shape():
    """Device-side sums over many batches agree with accuracy() batch by batch."""
    rng = np.random.default_rng(0)
    batches = [(mnp.array(rng.normal(size=(4, 3))),
                mnp.array(rng.integers(0, 3, 4), dtype=np.int32))
               for _ in range(130)]  # two groups of 64 batches, then a partial group
    outputs = {
        "scores": lambda X: X,
        "predicted classes": lambda X: X.argmax(axis=1),
        "one column (broadcast, as in d2l)": lambda X: X[:, :1],
    }
    for name, net in outputs.items():
        expected = sum(d2l.accuracy(net(X), y) for X, y in batches) / (4 * len(batches))
        assert d2l.evaluate_accuracy(net, batches) == pytest.approx(expected, abs=1e-12), name


def test_epoch_metrics_are_the_averages_over_the_data(small_iters):
    net, loss, _ = concise_model()
    d2l.evaluate_accuracy(net, small_iters[0])  # the first forward pass creates the weights
    frozen = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.0})
    np.random.seed(1)
    train_loss, train_acc = d2l.train_epoch_ch3(net, small_iters[0], loss, frozen)
    losses = np.concatenate([loss(net(X), y).asnumpy() for X, y in small_iters[0]])
    assert train_loss == pytest.approx(losses.mean(), rel=1e-5)
    assert train_acc == d2l.evaluate_accuracy(net, small_iters[0])


class RecordingDense(nn.Dense):
    """A Dense layer that remembers how it was hybridized."""

    hybridized_with = None

    def hybridize(self, active: bool = True, **kwargs) -> None:
        self.hybridized_with = (active, kwargs)
        super().hybridize(active, **kwargs)


def test_train_ch3_hybridizes_and_results_stay_the_same(small_iters):
    nets, histories = {}, {}
    for hybridize in (False, True):
        np.random.seed(0)
        mx.random.seed(0)
        net = nn.Sequential()
        net.add(RecordingDense(10))
        net.initialize(init.Normal(sigma=0.01))
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no hint to use HybridSequential either
            histories[hybridize] = d2l.train_ch3(net, *small_iters, loss, 2, trainer,
                                                 plot=False, hybridize=hybridize)
        nets[hybridize] = net
    assert nets[False][0].hybridized_with is None
    assert nets[True][0].hybridized_with == (True, {"static_alloc": True})
    assert histories[False].test_acc == histories[True].test_acc
    assert histories[False].train_loss == pytest.approx(histories[True].train_loss, rel=1e-6)
