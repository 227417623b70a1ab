"""Issue 20, point 5: PHP includes resolved the way legacy bug trackers and wikis build them:
a root constant from ``dirname(__FILE__)``, ``set_include_path`` with paths built from it and
``DIRECTORY_SEPARATOR``, then bare ``require_once('x_api.php')`` from anywhere. The fixture is
written for this test (shaped like such trees, no code copied)."""

from __future__ import annotations

from modernizer.repo.lang import dependency_edges, language_of
from modernizer.repo.lang.php_paths import ROOT, Constants, Evaluator
from modernizer.repo.snapshot import SourceFile


def sf(path: str, text: str) -> SourceFile:
    return SourceFile(path=path, language=language_of(path), text=text, sha256="x",
                      lines=text.count("\n") + 1, size_bytes=len(text))


CORE = """<?php
# the tree's bootstrap: every page includes it first
define( 'BASE_PATH', dirname( __FILE__ ) );
$t_core_path = BASE_PATH . DIRECTORY_SEPARATOR . 'core' . DIRECTORY_SEPARATOR;
$t_path = $t_core_path . PATH_SEPARATOR . BASE_PATH . DIRECTORY_SEPARATOR . 'library';
set_include_path( get_include_path() . PATH_SEPARATOR . $t_path );
require_once( 'constant_inc.php' );
require_once( 'core' . DIRECTORY_SEPARATOR . 'user_api.php' );
require_once( 'config_api.php' );
$msg = 'you must require_once the file';
"""

TREE = {
    "core.php": CORE,
    "constant_inc.php": "<?php\ndefine('VERSION', '1.2');\n",
    "index.php": "<?php\nrequire_once( 'core.php' );\nrequire_once( 'html_api.php' );\n",
    "core/config_api.php": "<?php\nfunction config_get() {}\n",
    "core/user_api.php": "<?php\nrequire_once( 'config_api.php' );\n",
    "core/html_api.php": "<?php\nrequire_once( 'lang_api.php' );\n",
    "core/lang_api.php": "<?php\n",
    "core/bug_api.php": "<?php\n$t_core_dir = config_get_global( 'core_path' );\nrequire_once( $t_core_dir . 'user_api.php' );\n",
    "library/phpmailer/class.mailer.php": "<?php\n",
    "admin/check.php": ("<?php\ndefine( 'ADMIN_ROOT', dirname( dirname( __FILE__ ) ) . '/' );\n"
                        "require_once( ADMIN_ROOT . 'core.php' );\nrequire_once( __DIR__ . '/../core/bug_api.php' );\n"
                        "include 'lang_api.php';\nrequire_once( 'phpmailer/class.mailer.php' );\n"),
    # a second file of one of those names elsewhere: a bare include must not go by the name alone
    "plugins/Demo/user_api.php": "<?php\n",
    "plugins/Demo/lang_api.php": "<?php\n",
}


def test_a_tree_that_sets_its_include_path_from_a_root_constant_resolves_its_bare_includes():
    got = {(e.source, e.target, e.kind) for e in dependency_edges([sf(p, t) for p, t in TREE.items()])}
    expected = {
        ("core.php", "constant_inc.php"),                        # beside the including file
        ("core.php", "core/user_api.php"),                       # 'core' . DIRECTORY_SEPARATOR . ...
        ("core.php", "core/config_api.php"),                     # bare name, on the include_path
        ("index.php", "core.php"),
        ("index.php", "core/html_api.php"),                      # bare name, on the include_path
        ("core/user_api.php", "core/config_api.php"),
        ("core/html_api.php", "core/lang_api.php"),
        ("core/bug_api.php", "core/user_api.php"),               # behind config_get_global: by its own folder
        ("admin/check.php", "core.php"),                         # a constant built from dirname(dirname(__FILE__))
        ("admin/check.php", "core/bug_api.php"),                 # __DIR__ . '/../'
        ("admin/check.php", "core/lang_api.php"),                # not plugins/Demo/lang_api.php
        ("admin/check.php", "library/phpmailer/class.mailer.php"),  # the second include_path entry
    }
    assert {(s, t) for s, t, _ in got} == expected
    assert {k for _, _, k in got} == {"include"}


def test_constants_defined_differently_per_entry_script_take_the_nearest_definition():
    files = [
        sf("web/admin/index.php", "<?php\ndefine('APP', __DIR__ . '/../../app/');\nrequire APP . 'boot.php';\n"),
        sf("web/index.php", "<?php\ndefine('APP', dirname(__FILE__) . '/../app/');\nrequire APP . 'boot.php';\n"),
        sf("tools/x.php", "<?php\ndefine('APP', '/opt/other/');\nrequire APP . 'boot.php';\n"),
        sf("app/boot.php", "<?php\n"),
    ]
    got = {(e.source, e.target) for e in dependency_edges(files)}
    assert ("web/admin/index.php", "app/boot.php") in got and ("web/index.php", "app/boot.php") in got
    assert ("tools/x.php", "app/boot.php") not in got  # its APP is outside the repository: no guess


def test_the_evaluator_knows_what_it_cannot_know_and_never_leaves_the_repository():
    consts = Constants()
    ev = Evaluator("a/b/c.php", consts.get)
    assert ev.value("dirname(__FILE__, 2) . DIRECTORY_SEPARATOR . 'x.php'") == (ROOT + "/a/x.php",)
    assert ev.value("realpath(__DIR__ . '/../') . '/lib'") == (ROOT + "/a/b/../" + "/lib",)
    assert ev.value("$_GET['page'] . '.php'") == (None, ".php")
    assert ev.value('"pages/{$name}.php"') == ("pages/", None, ".php")
    assert ev.value("dirname(dirname(dirname(dirname(__FILE__))))") == (None,)  # above the repository
    assert ev.value("UNDEFINED_CONST . 'x.php'") == (None, "x.php")
    assert ev.value("(((((((((((((((((((((((((((('x'") == (None,)  # deeper than any real code: unknown
    cyclic = Constants()
    cyclic.scan("a.php", "define('A', B . 'x'); define('B', A . 'y');")
    assert cyclic.get("A") == (None,)  # a constant defined through itself is unknown, not a hang


def test_a_root_constant_built_with_str_replace_and_a_relative_one_for_the_installer_both_resolve():
    files = [
        sf("main.inc.php", "<?php\ndefine('ROOT_DIR', str_replace('\\\\', '/', realpath(dirname(__FILE__))) . '/');\n"
                           "define('INCLUDE_DIR', ROOT_DIR . 'include/');\n"),
        sf("login.php", "<?php\nrequire_once('main.inc.php');\nrequire_once(INCLUDE_DIR . 'class.client.php');\n"),
        sf("setup/setup.inc.php", "<?php\ndefine('ROOT_DIR', '../');\ndefine('INCLUDE_DIR', ROOT_DIR . 'include/');\n"
                                  "define('INC_DIR', './inc/');\nrequire_once(INC_DIR . 'class.installer.php');\n"),
        sf("setup/inc/class.installer.php", "<?php\nrequire_once(INCLUDE_DIR . 'class.file.php');\n"),
        sf("include/class.client.php", "<?php\n"), sf("include/class.file.php", "<?php\n"),
    ]
    got = {(e.source, e.target) for e in dependency_edges(files)}
    assert {("login.php", "include/class.client.php"), ("setup/setup.inc.php", "setup/inc/class.installer.php"),
            ("setup/inc/class.installer.php", "include/class.file.php")} <= got


def test_hostile_php_stays_linear():
    import time

    body = "<?php\n" + "".join(f"$p{i} = A{i} . '/x';\ndefine('A{i}', A{i + 1} . '/');\nset_include_path($p{i});\n"
                                  f"require_once(A{i} . 'f{i}.php');\n" for i in range(3000))
    files = [sf("evil.php", body), sf("f1.php", "<?php\n")]
    t = time.perf_counter()
    dependency_edges(files)
    assert time.perf_counter() - t < 10.0
