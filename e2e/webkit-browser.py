"""
The smallest WebKitGTK browser WebKitWebDriver can drive, for the e2e tests.

The MiniBrowser that comes with WebKitGTK uses a private (ephemeral) data
store under --automation: IndexedDB refuses Blob values there and OPFS throws,
so Swarmdrop could not keep pieces. This one keeps its data in a profile
directory, as a real browser does. WebKitWebDriver starts it as
`python3 webkit-browser.py --profile=DIR --features=+A,+B --automation`.
"""
import sys

import gi

gi.require_version("Gtk", "3.0")
gi.require_version("WebKit2", "4.1")
from gi.repository import Gtk, WebKit2  # noqa: E402


def parse(argv):
    profile, features = None, []
    for arg in argv:
        if arg.startswith("--profile="):
            profile = arg.split("=", 1)[1]
        elif arg.startswith("--features="):
            features = [f.lstrip("+") for f in arg.split("=", 1)[1].split(",") if f]
        elif arg != "--automation":  # WebKitWebDriver adds it; automation is the only mode here
            sys.exit(f"webkit-browser: unknown argument {arg}")
    if not profile:
        sys.exit("webkit-browser: --profile=DIR is required")
    return profile, features


def settings_with(features):
    settings = WebKit2.Settings()
    known = WebKit2.Settings.get_all_features()
    by_name = {known.get(i).get_identifier(): known.get(i) for i in range(known.get_length())}
    for name in features:
        if name not in by_name:  # an unknown feature would otherwise leave POST /session hanging
            sys.exit(f"webkit-browser: WebKit has no feature {name}")
        settings.set_feature_enabled(by_name[name], True)
    return settings


def main():
    profile, features = parse(sys.argv[1:])
    settings = settings_with(features)
    manager = WebKit2.WebsiteDataManager(base_data_directory=f"{profile}/data", base_cache_directory=f"{profile}/cache")
    context = WebKit2.WebContext(website_data_manager=manager)
    context.set_automation_allowed(True)

    def create_web_view(_session):
        view = WebKit2.WebView(web_context=context, settings=settings, is_controlled_by_automation=True)
        window = Gtk.Window()
        window.set_default_size(1280, 800)
        window.add(view)
        window.show_all()
        return view

    def automation_started(_context, session):
        info = WebKit2.ApplicationInfo()
        info.set_name("swarmdrop-webkit-test")
        session.set_application_info(info)
        session.connect("create-web-view", create_web_view)

    context.connect("automation-started", automation_started)
    Gtk.main()


main()
