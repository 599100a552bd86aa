"""A page to try the classifier: drop a photo, draw a garment, or click an
example, and see what the network sees and what it answers.

    make demo                       # or: python -m fashion_mnist.demo
    python -m fashion_mnist.demo --model models:/fashion_mnist_classifier/3

It serves the registry's champion (``models:/fashion_mnist_classifier@champion``
in the project's MLflow store) through the same MLflow model ``make serve``
serves: its own code prepares each picture and answers, so the page, the
server and ``kedro run --pipelines inference`` agree. Gradio is an optional
extra (``pip install -e ".[demo]"``). See docs/demo.md.

- ``texts``: the page's words in English and Russian;
- ``classify``: the served model, and one picture's answer as the page shows it;
- ``page``: the Gradio page;
- ``__main__``: the command.
"""
