"""The URL rule class of the app: werkzeug's Rule, its URL builders compiled when url_for first
needs them instead of when the app is made.

werkzeug compiles two Python functions per rule (ast + compile) as each rule is added: for the
sandbox's 200-odd rules that was 21 of create_app's 30 ms (measured), paid by every CLI
command run in process and by every test's app, though few rules are ever built.
"""

from werkzeug.routing import Rule


class LazyBuildRule(Rule):
    """A Rule that compiles each of its URL builders on first use."""

    def _compile_builder(self, append_unknown: bool = True):
        compile_now = super()._compile_builder
        compiled: list = []

        def build(rule, /, **values):
            if not compiled:
                compiled.append(compile_now(append_unknown).__get__(rule, None))
            return compiled[0](**values)

        return build
