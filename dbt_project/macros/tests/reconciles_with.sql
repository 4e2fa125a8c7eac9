{#- The model's total of a column per group equals an aggregate of another model per the same group, over the groups
    the model covers (its min_date/max_date window). E.g. the weekly area counts add up to the incidents assigned to
    an area in each week: nothing counted twice, nothing lost. -#}
{% test reconciles_with(model, column_name, group_by, compare_model, compare_expression='count(*)',
                        compare_filter='true', tolerance=0.000001) %}
with

model_totals as (
    select {{ group_by }} as grp, sum({{ column_name }}) as total
    from {{ model }}
    group by 1
),

compare_totals as (
    select {{ group_by }} as grp, {{ compare_expression }} as total
    from {{ compare_model }}
    where {{ compare_filter }}
    group by 1
),

compared as (
    select grp, coalesce(model_totals.total, 0) as model_total, coalesce(compare_totals.total, 0) as compare_total
    from model_totals
    full join compare_totals using (grp)
)

select *
from compared
where grp between (select min(grp) from model_totals) and (select max(grp) from model_totals)
  and abs(model_total - compare_total) > {{ tolerance }}
{% endtest %}
