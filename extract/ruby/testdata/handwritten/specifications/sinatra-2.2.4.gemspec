# Hand-written forms a tool other than RubyGems might leave in a
# specifications directory: another block variable, single quotes,
# Gem::Version.new, a single license.
Gem::Specification.new do |spec|
  spec.name    = 'sinatra'
  spec.version = Gem::Version.new('2.2.4')
  spec.license = 'MIT'
  spec.summary = 'Classy web-development dressed in a DSL'
  spec.authors = ["Blake Mizerany", 'Ryan Tomayko']
end
