# dbtools' one piece of Python: the support login. Loaded server-wide by the platform's Odoo
# workers (--load=base,web,dbtools_support), so its routes answer on every database the worker
# serves without being installed in any of them.
{
    'name': 'dbtools support login',
    'version': '1.0',
    'summary': 'Signs a support agent in as a user with a single-use link the platform verifies',
    'license': 'LGPL-3',
    'depends': ['web'],
    'installable': True,
    'auto_install': False,
}
