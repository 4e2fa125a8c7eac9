{#- The column holds exactly one distinct non-null value (e.g. a weight-table version: two at once is a mistake). -#}
{% test single_value(model, column_name) %}
select count(distinct {{ column_name }}) as n_values
from {{ model }}
having count(distinct {{ column_name }}) <> 1
{% endtest %}
