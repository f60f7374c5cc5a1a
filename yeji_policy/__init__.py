"""yeji-policy: a policy-as-code compiler for the Yeji district e-commerce policy.

The pipeline, one module per stage:

    grammar/policy.lark -> parser.py -> ast.py -> check/ -> model.py
                                                   -> interpreter.py (reference engine)
                                                   -> backends/python.py, schema.py, sheets.py
"""

__version__ = "0.1.0"
