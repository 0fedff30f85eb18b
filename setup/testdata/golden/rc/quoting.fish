# >>> halton-meter >>>
# Added by halton-meter init --apps; halton-meter uninstall removes this block.
set -gx A 'it\'s'
set -gx B 'say "hi" $HOME `id` \\n'
set -gx C ''
set -gx D 'semi;colon & amp'
# <<< halton-meter <<<
