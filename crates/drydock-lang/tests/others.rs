//! Ruby, PHP and .NET.

mod common;

use common::{fixture, no_panic, nv};
use drydock_lang::{Ecosystem, Package, dotnet, parse_file, php, ruby};

fn find<'a>(pkgs: &'a [Package], name: &str) -> &'a Package {
    pkgs.iter()
        .find(|p| p.name == name)
        .unwrap_or_else(|| panic!("{name} missing"))
}

#[test]
fn gemfile_lock() {
    let pkgs = ruby::parse_gemfile_lock("/app/Gemfile.lock", &fixture("ruby/Gemfile.lock"))
        .expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "crass@1.0.6",
            "loofah@2.21.4",
            "mini_portile2@2.8.5",
            "nokogiri@1.15.4",
            "racc@1.7.1",
            "rails-html-sanitizer@1.6.0",
            "rake@13.0.6"
        ]
    );
    let nokogiri = find(&pkgs, "nokogiri");
    assert_eq!(nokogiri.purl, "pkg:gem/nokogiri@1.15.4");
    assert_eq!(nokogiri.direct, Some(true));
    assert_eq!(nokogiri.dependencies, ["pkg:gem/racc@1.7.1"]);
    assert_eq!(find(&pkgs, "rails-html-sanitizer").direct, Some(true));
    assert_eq!(find(&pkgs, "crass").direct, Some(false));
    assert_eq!(
        find(&pkgs, "loofah").dependencies,
        ["pkg:gem/crass@1.0.6", "pkg:gem/nokogiri@1.15.4"]
    );
}

#[test]
fn installed_gemspec() {
    let path = "/usr/local/bundle/specifications/rake-13.0.6.gemspec";
    let pkgs = parse_file(path, &fixture("ruby/rake-13.0.6.gemspec")).expect("parse");
    assert_eq!(nv(&pkgs), ["rake@13.0.6"]);
    assert_eq!(pkgs[0].licenses, ["MIT"]);
    assert_eq!(pkgs[0].ecosystem, Ecosystem::RubyGems);
    let single = b"Gem::Specification.new do |spec|\n  spec.name = 'json'\n  spec.version = %q{2.6.3}\n  spec.license = 'Ruby'\nend\n";
    let pkgs = ruby::parse_gemspec("json.gemspec", single).expect("parse");
    assert_eq!(nv(&pkgs), ["json@2.6.3"]);
    assert_eq!(pkgs[0].licenses, ["Ruby"]);
}

#[test]
fn composer_lock() {
    let pkgs = php::parse("composer.lock", &fixture("php/composer.lock")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "guzzlehttp/guzzle@7.8.0",
            "guzzlehttp/psr7@2.6.1",
            "phpunit/phpunit@10.4.1"
        ]
    );
    let guzzle = find(&pkgs, "guzzlehttp/guzzle");
    assert_eq!(guzzle.purl, "pkg:composer/guzzlehttp/guzzle@7.8.0");
    assert_eq!(guzzle.dependencies, ["pkg:composer/guzzlehttp/psr7@2.6.1"]);
    assert_eq!(guzzle.licenses, ["MIT"]);
    assert!(find(&pkgs, "phpunit/phpunit").dev);
}

#[test]
fn nuget_lock() {
    let pkgs =
        dotnet::parse("packages.lock.json", &fixture("dotnet/packages.lock.json")).expect("parse");
    assert_eq!(
        nv(&pkgs),
        [
            "Newtonsoft.Json@13.0.3",
            "Serilog.Sinks.Console@5.0.0",
            "Serilog@3.1.0"
        ]
    );
    assert_eq!(find(&pkgs, "Serilog").direct, Some(false));
    assert_eq!(
        find(&pkgs, "Serilog.Sinks.Console").dependencies,
        ["pkg:nuget/Serilog@3.1.0"]
    );
    assert_eq!(
        find(&pkgs, "Newtonsoft.Json").purl,
        "pkg:nuget/Newtonsoft.Json@13.0.3"
    );
}

#[test]
fn others_never_panic() {
    for (f, name) in [
        ("ruby/Gemfile.lock", "Gemfile.lock"),
        ("ruby/rake-13.0.6.gemspec", "specifications/rake.gemspec"),
        ("php/composer.lock", "composer.lock"),
        ("dotnet/packages.lock.json", "packages.lock.json"),
    ] {
        no_panic(&fixture(f), |d| {
            let _ = parse_file(name, d);
        });
    }
}
