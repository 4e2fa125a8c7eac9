{#- Small-count suppression held: no value lies between 1 and k − 1 (zero and k or more may be shown). -#}
{% test not_below_k(model, column_name, k=var('suppression_k')) %}
select {{ column_name }}
from {{ model }}
where {{ column_name }} > 0 and {{ column_name }} < {{ k }}
{% endtest %}
