# Reads "a<TAB>b" lines and prints RubyGems' order of the two versions
# (-1, 0, 1), or "invalid" when Gem::Version.correct? rejects either.
# Run: ruby testdata/reference.rb < pairs
$stdin.set_encoding(Encoding::UTF_8)
out = []
$stdin.each_line do |line|
  a, b = line.chomp("\n").split("\t", -1)
  out << begin
    if Gem::Version.correct?(a) && Gem::Version.correct?(b)
      (Gem::Version.new(a) <=> Gem::Version.new(b)).to_s
    else
      "invalid"
    end
  rescue ArgumentError # a string that is not UTF-8
    "invalid"
  end
end
puts out
