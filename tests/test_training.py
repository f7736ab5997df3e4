"""The training loop of d2l_helpers.training, with real MXNet training on real images.

Tests run in d2l's NumPy mode (``npx.set_np()``, as the chapters) unless they ask for
``nd_mode``: legacy ``mx.nd`` code (gluonbook, d2l-classic), as right after
``import d2l_helpers``. Either mode is undone after each test.
"""

import base64
import io
import json
import subprocess
import sys
import warnings

import mxnet as mx
import numpy as np
import pytest
from matplotlib import pyplot as plt
from mxnet import gluon, init, nd, npx
from mxnet import np as mnp
from mxnet.gluon import nn

import d2l_helpers as d2l


@pytest.fixture(autouse=True)
def np_mode():
    """d2l's NumPy mode for the test, switched off afterwards (it is process-wide)."""
    npx.set_np()
    yield
    npx.reset_np()


@pytest.fixture
def nd_mode(np_mode):
    """Legacy mx.nd mode for the test: the mode a fresh `import d2l_helpers` leaves."""
    npx.reset_np()


def concise_model(lr: float = 0.1):
    """The concise chapter's model, loss and trainer."""
    net = nn.Sequential()
    net.add(nn.Dense(10))
    net.initialize(init.Normal(sigma=0.01))
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": lr})
    return net, gluon.loss.SoftmaxCrossEntropyLoss(), trainer


def scratch_nd_model():
    """Gluonbook's from-scratch model in legacy nd code: net, cross_entropy, [W, b]."""
    W = nd.random.normal(scale=0.01, shape=(784, 10))
    b = nd.zeros(10)
    W.attach_grad()
    b.attach_grad()

    def softmax(X):
        X_exp = nd.exp(X)
        return X_exp / X_exp.sum(axis=1, keepdims=True)

    def net(X):
        return softmax(nd.dot(X.reshape((-1, 784)), W) + b)

    def cross_entropy(y_hat, y):
        return -nd.pick(y_hat, y).log()

    return net, cross_entropy, [W, b]


def naive_np_loss(y_hat, y):
    """-log(softmax(...)), which overflows to inf/nan at large learning rates."""
    return -mnp.log(mx.npx.softmax(y_hat)[mnp.arange(y.shape[0]), y])


DIVERGED = (
    r"^Epoch {epoch}: the average training loss is (nan|inf).*diverged.*"
    r"Lower the learning rate{rate}.*SoftmaxCrossEntropyLoss.*re-initialize"
)


def test_importing_leaves_the_array_mode_alone():
    code = (
        "import mxnet as mx, d2l_helpers\n"
        "print(mx.util.is_np_array(), mx.util.is_np_shape())"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["False", "False"]


def test_accuracy_counts_correct_rows():
    y_hat = mnp.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = mnp.array([1, 1, 1], dtype=np.int32)
    assert d2l.accuracy(y_hat, y) == 2.0


def test_accuracy_and_accumulator_take_legacy_nd_arrays(nd_mode):
    y_hat = nd.array([[0.1, 0.9], [0.8, 0.2], [0.3, 0.7]])
    y = nd.array([1, 1, 0], dtype="int32")
    assert d2l.accuracy(y_hat, y) == 1.0
    metric = d2l.Accumulator(3)
    metric.add(nd.array([2.5]), d2l.accuracy(y_hat, y), y.size)
    metric.add(mnp.array([0.5]), 3, 4)  # mx.np and plain numbers too
    assert metric.data == [3.0, 4.0, 7.0] and metric[2] == 7.0
    metric.reset()
    assert metric.data == [0.0, 0.0, 0.0]


def test_new_call_form_trains(small_iters):
    np.random.seed(0)
    mx.random.seed(0)
    net, loss, trainer = concise_model()
    history = d2l.train_ch3(net, *small_iters, loss, 3, trainer)
    assert len(history.train_loss) == len(history.test_acc) == 3
    assert len(history.epoch_seconds) == 3
    assert history.train_loss[-1] < history.train_loss[0]
    assert history.test_acc[-1] > 0.6  # 3 epochs on 2,048 images; chance is 0.1
    assert history.test_acc[-1] == pytest.approx(
        d2l.evaluate_accuracy(net, small_iters[1])
    )
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

    def net(X):
        return mx.npx.softmax(mnp.dot(X.reshape(-1, 784), W) + b)

    def cross_entropy(y_hat, y):
        return -mnp.log(y_hat[mnp.arange(y.shape[0]), y] + 1e-9)

    history = d2l.train_ch3(net, *small_iters, cross_entropy, 2, 128, [W, b], 0.1)
    assert history.test_acc[-1] > 0.5


def test_missing_updater_is_pythons_type_error(small_iters):
    net, loss, _ = concise_model()
    with pytest.raises(TypeError, match="missing 1 required positional.*'updater'"):
        d2l.train_ch3(net, *small_iters, loss, 1)


def _scratch_np_params():
    """Fresh from-scratch [W, b] (mx.np, with gradients), for call-form tests."""
    W, b = mnp.random.normal(0, 0.01, size=(784, 10)), mnp.zeros(10)
    for param in (W, b):
        param.attach_grad()
    return [W, b]


# (what follows num_epochs in the call, the message expected); every case fits
# neither form, or both, and must stop before any step.
AMBIGUOUS_CALLS = {
    "extra positionals after a Trainer": (
        lambda trainer, params: (trainer, 128),
        r"1 more positional argument\(s\) after the updater \(Trainer\)",
    ),
    "gluonbook's arguments after a Trainer": (
        lambda trainer, params: (trainer, params, 0.1),
        r"2 more positional .*batch size \(an int\) in the updater's place",
    ),
    "extra positionals after an updater function": (
        lambda trainer, params: (trainer.step, 128, params, 0.1),
        r"3 more positional argument\(s\) after the updater \(method\)",
    ),
    "params where the updater goes": (
        lambda trainer, params: (params, 0.1),
        r"6th argument must be an updater .* got list",
    ),
    "a float batch size": (
        lambda trainer, params: (256.0, params, 0.1),
        r"6th argument must be an updater .* got float 256\.0",
    ),
    "a batch size alone": (
        lambda trainer, params: (128,),
        r"gluonbook's form needs params and lr .*, or a gluon.Trainer",
    ),
    "params without lr": (
        lambda trainer, params: (128, params),
        r"gluonbook's form needs params and lr",
    ),
    "params and a trainer": (
        lambda trainer, params: (128, params, 0.1, trainer),
        r"either params and lr .* or a gluon.Trainer",
    ),
    "an updater function as gluonbook's trainer": (
        lambda trainer, params: (128, None, None, trainer.step),
        r"either params and lr .* or a gluon.Trainer",
    ),
    "a batch size of 0": (
        lambda trainer, params: (0, params, 0.1),
        r"needs the batch size, a positive int, after num_epochs; got 0",
    ),
    "ten positionals": (
        lambda trainer, params: (128, None, None, trainer, "extra"),
        r"10 positional arguments; gluonbook's form takes at most 9",
    ),
}


@pytest.mark.parametrize("case", AMBIGUOUS_CALLS)
def test_a_call_that_fits_no_form_is_a_call_form_error(case, small_iters):
    net, loss, trainer = concise_model()
    params = _scratch_np_params()
    before = [p.asnumpy().copy() for p in params]
    arguments, message = AMBIGUOUS_CALLS[case]
    with pytest.raises(d2l.CallFormError, match=message) as info:
        d2l.train_ch3(net, *small_iters, loss, 1, *arguments(trainer, params))
    assert isinstance(info.value, TypeError) and isinstance(info.value, d2l.D2LError)
    for param, value in zip(params, before):
        np.testing.assert_array_equal(param.asnumpy(), value)
    assert not net[0].weight._data  # never initialized: no batch went through


def test_gluonbook_checks_its_own_arguments(small_iters):
    net, loss, trainer = concise_model()
    with pytest.raises(d2l.CallFormError, match="either params and lr"):
        d2l.train_ch3_gluonbook(
            net, *small_iters, loss, 1, 128, params=[], lr=0.1, trainer=trainer
        )
    with pytest.raises(d2l.CallFormError, match="got '128'"):
        d2l.train_ch3_gluonbook(net, *small_iters, loss, 1, "128", trainer=trainer)


def test_diverging_loss_stops_with_a_clear_error(small_iters):
    net, _, trainer = concise_model(lr=1e4)
    message = DIVERGED.format(epoch=1, rate=r" \(now 10000")
    with pytest.raises(d2l.TrainingDivergedError, match=message) as info:
        d2l.train_ch3(net, *small_iters, naive_np_loss, 5, trainer)
    assert info.value.history.train_loss == []


def test_divergence_keeps_the_finished_epochs(small_iters):
    net, _, trainer = concise_model()
    steps_per_epoch = len(small_iters[0])
    steps = []

    def updater(batch_size: int) -> None:
        """SGD at lr 0.1 for one epoch, then at a learning rate that blows up."""
        steps.append(batch_size)
        if len(steps) == steps_per_epoch + 1:
            trainer.set_learning_rate(1e4)
        trainer.step(batch_size)

    with pytest.raises(d2l.TrainingDivergedError, match=r"^Epoch 2: ") as info:
        d2l.train_ch3(net, *small_iters, naive_np_loss, 5, updater)
    history = info.value.history
    assert len(history.train_loss) == len(history.test_acc) == 1
    assert history.test_acc[0] > 0.5


def test_legacy_nd_divergence_is_the_clear_error(nd_mode, small_iters):
    """Gluonbook's nd code at lr 1e6: the divergence message, not a TypeError."""
    net, cross_entropy, params = scratch_nd_model()
    message = DIVERGED.format(epoch=1, rate=r" \(now 1000000\.0\)")
    with pytest.raises(d2l.TrainingDivergedError, match=message) as info:
        d2l.train_ch3(net, *small_iters, cross_entropy, 3, 128, params, 1e6)
    assert info.value.history.train_loss == []


def test_legacy_nd_divergence_keeps_the_finished_epochs(nd_mode, small_iters):
    net, cross_entropy, params = scratch_nd_model()
    steps_per_epoch, steps = len(small_iters[0]), []

    def updater(batch_size: int) -> None:
        """d2l's sgd at lr 0.1 for one epoch, then at 1e6."""
        steps.append(batch_size)
        d2l.sgd(params, 0.1 if len(steps) <= steps_per_epoch else 1e6, batch_size)

    with pytest.raises(
        d2l.TrainingDivergedError, match=r"^Epoch 2: .*diverged"
    ) as info:
        d2l.train_ch3(net, *small_iters, cross_entropy, 4, updater)
    history = info.value.history
    assert (
        len(history.train_loss) == len(history.train_acc) == len(history.test_acc) == 1
    )
    assert history.test_acc[0] > 0.5 and np.isfinite(history.train_loss[0])


def test_legacy_nd_gluon_model_trains_and_predicts(nd_mode, small_iters):
    """d2l-classic's concise code outside NumPy mode: nd batches, nd parameters."""
    net, loss, trainer = concise_model()
    history = d2l.train_ch3(net, *small_iters, loss, 2, trainer)
    assert history.test_acc[-1] > 0.5
    assert type(net[0].weight.data()) is nd.NDArray
    assert d2l.evaluate_accuracy(net, small_iters[1]) == history.test_acc[-1]
    trues, preds = d2l.predict_ch3(net, small_iters[1], n=4)
    plt.close("all")
    assert trues == d2l.get_fashion_mnist_labels(small_iters[1].labels[:4])
    assert len(preds) == 4


def test_wrong_input_shape_says_what_was_expected(small_iters):
    net, loss, trainer = concise_model()
    d2l.train_ch3(net, *small_iters, loss, 1, trainer)
    X_test, y_test = small_iters[1].images, small_iters[1].labels
    bigger = d2l.ArrayDataIter(X_test, y_test, 64, shuffle=False, resize=30)
    with pytest.raises(
        d2l.ShapeMismatchError, match=r"784 input features.*\(64, 1, 30, 30\)"
    ):
        d2l.evaluate_accuracy(net, bigger)
    weight = net[0].weight.data().asnumpy()
    with pytest.raises(d2l.ShapeMismatchError, match=r"784 input features"):
        d2l.train_ch3(net, bigger, small_iters[1], loss, 1, trainer)
    np.testing.assert_array_equal(net[0].weight.data().asnumpy(), weight)


def test_predict_ch3_returns_true_and_predicted_labels(small_iters):
    net, loss, trainer = concise_model()
    d2l.train_ch3(net, *small_iters, loss, 2, trainer)
    trues, preds = d2l.predict_ch3(net, small_iters[1], n=6)
    figure = plt.gcf()
    plt.close(figure)
    assert trues == d2l.get_fashion_mnist_labels(small_iters[1].labels[:6])
    labels = set(d2l.get_fashion_mnist_labels(range(10)))
    assert len(preds) == 6 and set(preds) <= labels
    titles = [ax.get_title() for ax in figure.axes]
    assert titles == [f"{t}\n{p}" for t, p in zip(trues, preds)]


def test_batches_go_to_the_model_device(small_iters):
    """Models on another device than the loaders' (cpu(0)) get their batches there."""
    device = mx.cpu(1)
    net, loss, _ = concise_model()
    net.initialize(init.Normal(sigma=0.01), ctx=device, force_reinit=True)
    trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.1})
    history = d2l.train_ch3(net, *small_iters, loss, 1, trainer)  # Gluon: its params
    assert history.test_acc[0] > 0.5
    W = mnp.random.normal(0, 0.01, size=(784, 10), ctx=device)
    b = mnp.zeros(10, ctx=device)
    for param in (W, b):
        param.attach_grad()
    seen = []

    def scratch_net(X):
        seen.append(X.ctx)
        return mnp.dot(X.reshape(-1, 784), W) + b

    # gluonbook's form: where params are; d2l's form: where asked (it has no params)
    d2l.train_ch3(scratch_net, *small_iters, loss, 1, 128, [W, b], 0.1)
    d2l.train_ch3(
        scratch_net,
        *small_iters,
        loss,
        1,
        lambda n: d2l.sgd([W, b], 0.1, n),
        device=device,
    )
    d2l.predict_ch3(scratch_net, small_iters[1], n=2, device=device)  # asked for
    plt.close("all")
    assert len(seen) == 2 * (len(small_iters[0]) + len(small_iters[1])) + 1
    assert set(seen) == {device}


@pytest.mark.slow  # starts a Jupyter kernel (about 10 s)
def test_training_plot_in_a_real_kernel():
    """The live plot leaves one white figure, SVG and PNG, in an executed notebook."""
    import nbformat
    from nbclient import NotebookClient

    code = (
        "import numpy as np, d2l_helpers as d2l\n"
        "from mxnet import gluon, init, npx\nfrom mxnet.gluon import nn\n"
        "npx.set_np()\n"
        "tr, te = d2l.load_data_fashion_mnist(256)\n"
        "tr = d2l.ArrayDataIter(tr.images[:1024], tr.labels[:1024], 256, True)\n"
        "net = nn.Sequential(); net.add(nn.Dense(10))\n"
        "net.initialize(init.Normal(sigma=0.01))\n"
        "t = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})\n"
        "h = d2l.train_ch3(net, tr, te, gluon.loss.SoftmaxCrossEntropyLoss(), 3, t)"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=300, kernel_name="python3").execute()
    outputs = nb.cells[0].outputs
    assert [o.output_type for o in outputs] == ["display_data"]
    svg = outputs[0].data["image/svg+xml"]
    assert svg.count("<path") > 3  # curves drawn after 3 epochs
    png = plt.imread(io.BytesIO(base64.b64decode(outputs[0].data["image/png"])))
    assert png.shape[2] == 3 or (png[..., 3] == 1).all()  # opaque
    corners = png[[0, 0, -1, -1], [0, -1, 0, -1], :3]
    np.testing.assert_array_equal(corners, np.ones_like(corners))  # white


def test_plot_outside_a_notebook_leaves_the_figure_for_savefig(small_iters, capsys):
    """plot=True in a script: nothing printed, the curves in the current figure."""
    net, loss, trainer = concise_model()
    plt.close("all")
    history = d2l.train_ch3(net, *small_iters, loss, 2, trainer, plot=True)
    assert capsys.readouterr().out == ""
    figure = plt.gcf()
    curves = [list(line.get_ydata()) for line in figure.axes[0].lines]
    plt.close("all")
    assert curves == [history.train_loss, history.train_acc, history.test_acc]


def test_a_diverged_run_leaves_no_empty_figure(small_iters):
    net, _, trainer = concise_model(lr=1e4)
    plt.close("all")
    with pytest.raises(d2l.TrainingDivergedError):
        d2l.train_ch3(net, *small_iters, naive_np_loss, 2, trainer, plot=True)
    assert plt.get_fignums() == []


def test_metrics_match_per_batch_accuracy_for_every_output_shape():
    """Device-side sums over many batches agree with accuracy() batch by batch."""
    rng = np.random.default_rng(0)
    batches = [
        (
            mnp.array(rng.normal(size=(4, 3))),
            mnp.array(rng.integers(0, 3, 4), dtype=np.int32),
        )
        for _ in range(130)
    ]  # two groups of 64 batches, then a partial group
    outputs = {
        "scores": lambda X: X,
        "predicted classes": lambda X: X.argmax(axis=1),
        "one column (broadcast, as in d2l)": lambda X: X[:, :1],
    }
    for name, net in outputs.items():
        expected = sum(d2l.accuracy(net(X), y) for X, y in batches) / (4 * len(batches))
        assert d2l.evaluate_accuracy(net, batches) == pytest.approx(
            expected, abs=1e-12
        ), name


def test_epoch_metrics_are_the_averages_over_the_data(small_iters):
    net, loss, _ = concise_model()
    d2l.evaluate_accuracy(net, small_iters[0])  # the first forward pass makes weights
    frozen = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": 0.0})
    np.random.seed(1)
    train_loss, train_acc = d2l.train_epoch_ch3(net, small_iters[0], loss, frozen)
    losses = np.concatenate([loss(net(X), y).asnumpy() for X, y in small_iters[0]])
    assert train_loss == pytest.approx(losses.mean(), rel=1e-5)
    assert train_acc == d2l.evaluate_accuracy(net, small_iters[0])


def per_example(W: np.ndarray, b: np.ndarray, images: np.ndarray, labels: np.ndarray):
    """Per-example cross-entropy and correctness of softmax(XW + b), float64 NumPy."""
    X = images.reshape(len(images), -1).astype(np.float64) / 255
    logits = X @ W + b
    top = logits.max(axis=1, keepdims=True)
    log_sum_exp = top[:, 0] + np.log(np.exp(logits - top).sum(axis=1))
    rows = np.arange(len(labels))
    return log_sum_exp - logits[rows, labels], logits.argmax(axis=1) == labels


def gluon_style():
    """A concise model: (net, loss, step(n), params() -> (W, b) in NumPy as XW + b)."""
    net, loss, trainer = concise_model()
    dense = net[0]

    def params():
        return dense.weight.data().asnumpy().T, dense.bias.data().asnumpy()

    return net, loss, trainer.step, params


def legacy_nd_style():
    """Gluonbook's nd model, with the same four parts as gluon_style."""
    net, cross_entropy, [W, b] = scratch_nd_model()

    def step(batch_size: int) -> None:
        d2l.sgd([W, b], 0.1, batch_size)

    return net, cross_entropy, step, lambda: (W.asnumpy(), b.asnumpy())


@pytest.mark.parametrize("style", ["np Gluon", "legacy nd from scratch"])
def test_history_matches_an_independent_per_example_computation(
    style, fashion_arrays, request
):
    """Each epoch's loss and accuracies, recomputed in NumPy example by example.

    1,000 training images in batches of 300 (the last has 100) and 500 test images
    in batches of 300 (the last has 200). The parameters are recorded before every
    step (those that produced the batch's outputs); the shuffled order is redrawn
    from the same numpy seed; every example then counts once.
    """
    if style.startswith("legacy"):
        request.getfixturevalue("nd_mode")
    X_train, y_train, X_test, y_test = fashion_arrays
    X_train, y_train, X_test, y_test = (
        X_train[:1000],
        y_train[:1000],
        X_test[:500],
        y_test[:500],
    )
    train_iter = d2l.ArrayDataIter(X_train, y_train, 300, shuffle=True)
    test_iter = d2l.ArrayDataIter(X_test, y_test, 300, shuffle=False)
    mx.random.seed(0)
    net, loss, step, params = (
        gluon_style() if style == "np Gluon" else legacy_nd_style()
    )
    recorded = []

    def updater(batch_size: int) -> None:
        recorded.append((*params(), batch_size))
        step(batch_size)

    epochs = 3
    np.random.seed(5)
    orders = [np.random.permutation(1000) for _ in range(epochs)]
    np.random.seed(5)
    history = d2l.train_ch3(net, train_iter, test_iter, loss, epochs, updater)
    assert [n for *_, n in recorded] == [300, 300, 300, 100] * epochs
    after_epoch = [r[:2] for r in recorded[4::4]] + [params()]
    for epoch in range(epochs):
        losses, correct, batch_means = [], [], []
        for k, (W, b, n) in enumerate(recorded[4 * epoch : 4 * epoch + 4]):
            batch = orders[epoch][300 * k : 300 * k + n]
            batch_loss, batch_correct = per_example(
                W, b, X_train[batch], y_train[batch]
            )
            losses.append(batch_loss)
            correct.append(batch_correct)
            batch_means.append(batch_loss.mean())
        expected_loss = np.concatenate(losses).mean()
        assert history.train_loss[epoch] == pytest.approx(expected_loss, rel=1e-5)
        # the check can tell: the mean of the batch means is off by far more
        assert abs(np.mean(batch_means) - expected_loss) > 1e-3 * expected_loss
        assert history.train_acc[epoch] == np.concatenate(correct).mean()
        _, test_correct = per_example(*after_epoch[epoch], X_test, y_test)
        assert history.test_acc[epoch] == test_correct.mean()


def sgd_epoch_oracle(W, b, images, labels, batch_size, lr, divide_by):
    """One epoch of minibatch SGD on softmax regression in file order, float64 NumPy.

    Independent of the helpers: the gradient of the summed cross-entropy of a
    minibatch is X^T (softmax(XW + b) - onehot(y)) for W and its column sums for b;
    each step subtracts lr times that sum divided by ``divide_by(n)``, n the size of
    the minibatch. Returns W, b and the steps taken (one (dW, db) per minibatch).
    """
    X = images.reshape(len(images), -1).astype(np.float64) / 255
    W, b, steps = W.astype(np.float64), b.astype(np.float64), []
    for start in range(0, len(X), batch_size):
        X_batch, y_batch = (
            X[start : start + batch_size],
            labels[start : start + batch_size],
        )
        logits = X_batch @ W + b
        probs = np.exp(logits - logits.max(axis=1, keepdims=True))
        probs /= probs.sum(axis=1, keepdims=True)
        probs[np.arange(len(y_batch)), y_batch] -= 1  # d loss / d logits, per example
        divisor = divide_by(len(y_batch))
        step = (lr * (X_batch.T @ probs) / divisor, lr * probs.sum(axis=0) / divisor)
        W, b = W - step[0], b - step[1]
        steps.append(step)
    return W, b, steps


LR, BATCH = 0.5, 32  # a large rate, so that one step moves W well beyond float noise


def one_epoch(style: str, form: str, W0, b0, train_iter, test_iter):
    """Train one epoch from (W0, b0) with one call form; return W (d x q) and b.

    style: gluonbook's legacy nd code from scratch, or an mx.np Gluon model with a
    Trainer. form: d2l's (updater stepped with X.shape[0]), gluonbook's positional
    call of train_ch3, or train_ch3_gluonbook with keywords.
    """
    if style == "legacy nd from scratch":
        W, b = nd.array(W0), nd.array(b0)
        W.attach_grad()
        b.attach_grad()

        def net(X):
            logits = nd.dot(X.reshape((-1, 784)), W) + b
            return nd.exp(logits) / nd.exp(logits).sum(axis=1, keepdims=True)

        def loss(y_hat, y):
            return -nd.pick(y_hat, y).log()

        forms = {
            "d2l": ([lambda n: d2l.sgd([W, b], LR, n)], {}),
            "gluonbook via train_ch3": ([BATCH, [W, b], LR], {}),
            "train_ch3_gluonbook": (
                [],
                {"batch_size": BATCH, "params": [W, b], "lr": LR},
            ),
        }
        result = lambda: (W.asnumpy(), b.asnumpy())  # noqa: E731
    else:
        net = nn.Sequential()
        net.add(nn.Dense(10))
        net.initialize(init.Constant(0))
        net(mnp.zeros((1, 784)))  # materialize the weights, then set them
        net[0].weight.set_data(mnp.array(W0.T))
        net[0].bias.set_data(mnp.array(b0))
        loss = gluon.loss.SoftmaxCrossEntropyLoss()
        trainer = gluon.Trainer(net.collect_params(), "sgd", {"learning_rate": LR})
        forms = {
            "d2l": ([trainer], {}),
            "gluonbook via train_ch3": ([BATCH, None, None, trainer], {}),
            "train_ch3_gluonbook": ([], {"batch_size": BATCH, "trainer": trainer}),
        }
        result = lambda: (  # noqa: E731
            net[0].weight.data().asnumpy().T,
            net[0].bias.data().asnumpy(),
        )
    args, kwargs = forms[form]
    train = d2l.train_ch3_gluonbook if form == "train_ch3_gluonbook" else d2l.train_ch3
    train(net, train_iter, test_iter, loss, 1, *args, plot=False, **kwargs)
    return result()


FORMS = ("d2l", "gluonbook via train_ch3", "train_ch3_gluonbook")


@pytest.mark.parametrize("style", ["legacy nd from scratch", "np Gluon Trainer"])
def test_each_call_form_computes_its_editions_arithmetic(
    style, fashion_arrays, request
):
    """One epoch on real images, against NumPy: 100 images in minibatches of 32.

    The last minibatch holds 4 images. d2l's form divides its summed gradient by 4,
    gluonbook's by the fixed 32, so gluonbook's last step is 4/32 of d2l's; on the
    first 96 images (three full minibatches) the forms take the same steps.
    """
    if style.startswith("legacy"):
        request.getfixturevalue("nd_mode")
    X_train, y_train, X_test, y_test = fashion_arrays
    W0 = np.random.default_rng(0).normal(0, 0.01, size=(784, 10)).astype(np.float32)
    b0 = np.zeros(10, dtype=np.float32)
    test_iter = d2l.ArrayDataIter(X_test[:64], y_test[:64], BATCH, shuffle=False)
    trained = {}
    for n in (96, 100):
        train_iter = d2l.ArrayDataIter(X_train[:n], y_train[:n], BATCH, shuffle=False)
        for form in FORMS:
            trained[form, n] = one_epoch(style, form, W0, b0, train_iter, test_iter)
    per_batch = sgd_epoch_oracle(
        W0, b0, X_train[:100], y_train[:100], BATCH, LR, lambda n: n
    )
    fixed = sgd_epoch_oracle(
        W0, b0, X_train[:100], y_train[:100], BATCH, LR, lambda n: BATCH
    )
    even = sgd_epoch_oracle(W0, b0, X_train[:96], y_train[:96], BATCH, LR, lambda n: n)
    tolerance = {"rtol": 1e-4, "atol": 2e-6}  # float32 against float64
    for form in FORMS:
        expected = per_batch if form == "d2l" else fixed
        for got, want in zip(trained[form, 100], expected[:2]):
            np.testing.assert_allclose(got, want, **tolerance, err_msg=form)
        for got, want in zip(trained[form, 96], even[:2]):  # the data divide evenly
            np.testing.assert_allclose(got, want, **tolerance, err_msg=form)
    # The oracles: the same first three steps, then a last step of 4/32 the size.
    for k in range(3):
        np.testing.assert_allclose(per_batch[2][k][0], fixed[2][k][0], rtol=1e-12)
    np.testing.assert_allclose(fixed[2][3][0], per_batch[2][3][0] * 4 / 32)
    # The helpers: the two forms agree where the data divide evenly ...
    for form in FORMS[1:]:
        for got, d2l_got in zip(trained[form, 96], trained["d2l", 96]):
            np.testing.assert_allclose(got, d2l_got, rtol=0, atol=1e-6)
    # ... and differ by the last step only: gluonbook's is 4/32 of d2l's.
    for form in FORMS[1:]:
        for k in range(2):  # W, then b
            d2l_last = trained["d2l", 100][k] - trained["d2l", 96][k]
            form_last = trained[form, 100][k] - trained[form, 96][k]
            assert np.abs(d2l_last).max() > 1e-2  # far beyond float32 noise
            np.testing.assert_allclose(
                form_last, d2l_last * 4 / 32, rtol=1e-3, atol=1e-6
            )


GLUONBOOK_SCRATCH = """
import json, numpy as np, mxnet as mx
from mxnet import autograd, nd
import d2l_helpers as d2l

np.random.seed(42)
mx.random.seed(42)
batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
X, y = next(iter(train_iter))
num_inputs, num_outputs = 784, 10
W = nd.random.normal(scale=0.01, shape=(num_inputs, num_outputs))
b = nd.zeros(num_outputs)
W.attach_grad()
b.attach_grad()

def softmax(X):
    X_exp = X.exp()
    partition = X_exp.sum(axis=1, keepdims=True)
    return X_exp / partition

def net(X):
    return softmax(nd.dot(X.reshape((-1, num_inputs)), W) + b)

def cross_entropy(y_hat, y):
    return -nd.pick(y_hat, y).log()

def accuracy(y_hat, y):
    return (y_hat.argmax(axis=1) == y.astype('float32')).mean().asscalar()

num_epochs, lr = 5, 0.1
history = d2l.train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs,
                        batch_size, [W, b], lr)
X_test, y_test = next(iter(test_iter))
print(json.dumps({
    "np_mode": [mx.util.is_np_array(), mx.util.is_np_shape()],
    "kinds": [type(X).__name__, type(y).__name__], "len": len(train_iter),
    "test_acc": history.test_acc, "train_loss": history.train_loss,
    "batch_acc": float(accuracy(net(X_test), y_test)),
    "d2l_batch_acc": d2l.accuracy(net(X_test), y_test) / len(y_test),
}))
"""


def run_published_code(source: str) -> dict:
    """Run a script in a fresh Python; return the JSON its last output line holds."""
    result = subprocess.run(
        [sys.executable, "-c", source],
        check=False,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_gluonbook_legacy_nd_code_end_to_end():
    """Gluonbook's from-scratch chapter, verbatim nd code, in a fresh process."""
    out = run_published_code(GLUONBOOK_SCRATCH)
    assert out["np_mode"] == [False, False]
    assert out["kinds"] == ["NDArray", "NDArray"] and out["len"] == 235
    assert out["test_acc"][-1] >= 0.80
    assert out["train_loss"][-1] < out["train_loss"][0]
    assert out["batch_acc"] == pytest.approx(out["d2l_batch_acc"], abs=1e-6)


D2L_0X_SCRATCH_AND_GLUONBOOK_CONCISE = """
import json, numpy as onp, mxnet as mx
import d2l_helpers as d2l

onp.random.seed(0)
mx.random.seed(0)
results = {"import": [mx.util.is_np_array(), mx.util.is_np_shape()]}

# gluonbook's concise chapter (legacy nd, as right after the import), verbatim:
from mxnet import gluon, init
from mxnet.gluon import loss as gloss, nn

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
net = nn.Sequential()
net.add(nn.Dense(10))
net.initialize(init.Normal(sigma=0.01))
loss = gloss.SoftmaxCrossEntropyLoss()
trainer = gluon.Trainer(net.collect_params(), 'sgd', {'learning_rate': 0.1})
num_epochs = 5
history = d2l.train_ch3(net, train_iter, test_iter, loss, num_epochs, batch_size, None,
                        None, trainer)
results["gluonbook"] = [type(net[0].weight.data()).__name__, history.test_acc]

# d2l 0.x's from-scratch chapter (mx.np), verbatim but for 3 epochs instead of 10:
from mxnet import autograd, np, npx
npx.set_np()

batch_size = 256
train_iter, test_iter = d2l.load_data_fashion_mnist(batch_size)
num_inputs = 784
num_outputs = 10
W = np.random.normal(0, 0.01, (num_inputs, num_outputs))
b = np.zeros(num_outputs)
W.attach_grad()
b.attach_grad()

def softmax(X):
    X_exp = np.exp(X)
    partition = X_exp.sum(1, keepdims=True)
    return X_exp / partition

def net(X):
    return softmax(np.dot(X.reshape((-1, W.shape[0])), W) + b)

def cross_entropy(y_hat, y):
    return - np.log(y_hat[range(len(y_hat)), y])

lr = 0.1

def updater(batch_size):
    return d2l.sgd([W, b], lr, batch_size)

num_epochs = 3
history = d2l.train_ch3(net, train_iter, test_iter, cross_entropy, num_epochs, updater)
results["d2l"] = [type(W).__name__, history.train_loss, history.test_acc]
print(json.dumps(results))
"""


@pytest.mark.slow  # 8 epochs on the full data in a fresh process
def test_d2l_0x_and_gluonbook_concise_code_end_to_end():
    """d2l 0.x's from-scratch code and gluonbook's concise code, as published."""
    out = run_published_code(D2L_0X_SCRATCH_AND_GLUONBOOK_CONCISE)
    assert out["import"] == [False, False]
    kind, test_acc = out["gluonbook"]
    assert kind == "NDArray" and len(test_acc) == 5
    assert test_acc[-1] >= 0.80  # gluonbook reported 83.7% (one run, one machine)
    kind, train_loss, test_acc = out["d2l"]
    assert kind == "ndarray" and len(test_acc) == 3
    assert train_loss[-1] < train_loss[0] and test_acc[-1] >= 0.78


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
            histories[hybridize] = d2l.train_ch3(
                net, *small_iters, loss, 2, trainer, plot=False, hybridize=hybridize
            )
        nets[hybridize] = net
    assert nets[False][0].hybridized_with is None
    assert nets[True][0].hybridized_with == (True, {"static_alloc": True})
    assert histories[False].test_acc == histories[True].test_acc
    assert histories[False].train_loss == pytest.approx(
        histories[True].train_loss, rel=1e-6
    )
