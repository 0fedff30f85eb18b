# >>> halton-meter >>>
# Added by halton-meter init --apps; halton-meter uninstall removes this block.
export A='it'\''s'
export B='say "hi" $HOME `id` \n'
export C=''
export D='semi;colon & amp'
# <<< halton-meter <<<
