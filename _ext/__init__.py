"""The book's Sphinx extensions, a package: ``_config.yml`` names each by its dotted
name (``_ext.course_setup``), and scripts and tests import them the same way
(``from _ext.course_setup import ...``) with the repository root on ``sys.path``: as
the build has it (Jupyter Book adds the path of ``local_extensions``, the root), as
``python -m scripts.…`` and pytest (``pythonpath = ["."]``) have it."""
