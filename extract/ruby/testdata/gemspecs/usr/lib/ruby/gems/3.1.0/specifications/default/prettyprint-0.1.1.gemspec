# -*- encoding: utf-8 -*-
# stub: prettyprint 0.1.1 ruby lib

Gem::Specification.new do |s|
  s.name = "prettyprint".freeze
  s.version = "0.1.1"

  s.required_rubygems_version = Gem::Requirement.new(">= 0".freeze) if s.respond_to? :required_rubygems_version=
  s.metadata = { "homepage_uri" => "https://github.com/ruby/prettyprint", "source_code_uri" => "https://github.com/ruby/prettyprint" } if s.respond_to? :metadata=
  s.require_paths = ["lib".freeze]
  s.authors = ["Tanaka Akira".freeze]
  s.bindir = "exe".freeze
  s.date = "2026-11-20"
  s.description = "Implements a pretty printing algorithm for readable structure.".freeze
  s.email = ["akr@fsij.org".freeze]
  s.files = ["prettyprint.rb".freeze]
  s.homepage = "https://github.com/ruby/prettyprint".freeze
  s.licenses = ["Ruby".freeze, "BSD-2-Clause".freeze]
  s.required_ruby_version = Gem::Requirement.new(">= 2.3.0".freeze)
  s.rubygems_version = "3.3.27".freeze
  s.summary = "Implements a pretty printing algorithm for readable structure.".freeze
end
