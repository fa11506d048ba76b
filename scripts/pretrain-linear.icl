# The linear-regression model of notebook 06 (run by scripts/pretrain-linear.sh).
# x in R^5, y = w.x, w and x ~ N(0, I): the setting of Garg et al. at d = 5.
lin = task linear dim=5
linear = model preset=small inputs=5 points=21 layers=3 seed=1
# Prompts start at 5 points and grow by 2 every 200 steps up to 21 (2d + 1 = 11 points
# already determine w; 21 shows the error well past that).
train linear on=lin steps=4000 batch=64 lr=1e-3 schedule=cosine warmup=200 curriculum=5..21 every=200 seed=1
save linear "../models/linear-d5.safetensors"
